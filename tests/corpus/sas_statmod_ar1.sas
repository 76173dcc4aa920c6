/* Random intercept and AR(1) correlation for the errors */
proc mixed data=revenge; 
class id tcat; 
model revenge = sex age vc wom t / solution;
random intercept / subject=id v=1 vcorr=1; 
repeated tcat / subject=id type=ar(1) r=1 rcorr=1;
run;
