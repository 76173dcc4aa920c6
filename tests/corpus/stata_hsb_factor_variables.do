	/*	Estimate a random intercept model with single level-1 variable	*/
	
mixed mathach ses i.minority i.female, || idGrp:

	estat icc
