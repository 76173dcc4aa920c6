proc mixed cl covtest;
	class operator parts;
	model measurement=operator;
	random parts(operator);
run;
