* (5a) Hybrid with unsmushed intra-variable interaction.
* SPSS MIXED prints the random-effect covariance matrix (G), not correlations: r = UN(2,1)/SQRT(UN(1,1)*UN(2,2)).
MIXED langpost BY schoolID WITH mixgrd CMverb10 verb10 WCverb
  /METHOD = REML
  /CRITERIA = DFMETHOD(SATTERTHWAITE)
  /PRINT = SOLUTION TESTCOV G
  /FIXED = mixgrd CMverb10 verb10 mixgrd*verb10 mixgrd*CMverb10 CMverb10*verb10
    CMverb10*CMverb10
  /RANDOM = INTERCEPT WCverb | COVTYPE(UN) SUBJECT(schoolID).
