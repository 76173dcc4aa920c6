* (2c) Add 3 cross-level interactions.
* SPSS MIXED prints the random-effect covariance matrix (G), not correlations: r = UN(2,1)/SQRT(UN(1,1)*UN(2,2)).
MIXED langpost BY schoolID WITH hw2 mixgrd CMverb10 WCverb
  /METHOD = REML
  /CRITERIA = DFMETHOD(SATTERTHWAITE)
  /PRINT = SOLUTION TESTCOV G
  /FIXED = hw2 mixgrd CMverb10 WCverb hw2*WCverb mixgrd*WCverb CMverb10*WCverb
  /RANDOM = INTERCEPT WCverb | COVTYPE(UN) SUBJECT(schoolID).
