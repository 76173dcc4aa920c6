* (2b) Random L1 cluster-MC within slope.
* Data preparation: derived variables (means over valid values).
* Temporary variables (mlm<tag>_m<n>) carry a tag computed from this model, so they cannot clash with a column of your data; they are deleted at the end.
AGGREGATE /OUTFILE=* MODE=ADDVARIABLES /BREAK=schoolID /mlm0ee4_m1 = MEAN(verbal).
COMPUTE hw2 = homework - 2.
COMPUTE CMverb10 = mlm0ee4_m1 - 10.
COMPUTE WCverb = verbal - mlm0ee4_m1.
EXECUTE.
DELETE VARIABLES mlm0ee4_m1.
* SPSS MIXED prints the random-effect covariance matrix (G), not correlations: r = UN(2,1)/SQRT(UN(1,1)*UN(2,2)).
MIXED langpost BY schoolID WITH hw2 mixgrd CMverb10 WCverb
  /METHOD = REML
  /CRITERIA = DFMETHOD(SATTERTHWAITE)
  /PRINT = SOLUTION TESTCOV G
  /FIXED = hw2 mixgrd CMverb10 WCverb
  /RANDOM = INTERCEPT WCverb | COVTYPE(UN) SUBJECT(schoolID)
  /TEST = "L2 Contextual Effect of Verbal" CMverb10 1 WCverb -1.
