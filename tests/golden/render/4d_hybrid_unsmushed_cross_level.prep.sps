* (4d) Hybrid with unsmushed cross-level interaction.
* Data preparation: derived variables (means over valid values).
* Temporary variables (mlm<tag>_m<n>) carry a tag computed from this model, so they cannot clash with a column of your data; they are deleted at the end.
AGGREGATE /OUTFILE=* MODE=ADDVARIABLES /BREAK=schoolID /mlm811b_m1 = MEAN(verbal).
COMPUTE CMverb10 = mlm811b_m1 - 10.
COMPUTE verb10 = verbal - 10.
COMPUTE WCverb = verbal - mlm811b_m1.
EXECUTE.
DELETE VARIABLES mlm811b_m1.
* SPSS MIXED prints the random-effect covariance matrix (G), not correlations: r = UN(2,1)/SQRT(UN(1,1)*UN(2,2)).
MIXED langpost BY schoolID WITH mixgrd CMverb10 verb10 WCverb
  /METHOD = REML
  /CRITERIA = DFMETHOD(SATTERTHWAITE)
  /PRINT = SOLUTION TESTCOV G
  /FIXED = mixgrd CMverb10 verb10 mixgrd*verb10 mixgrd*CMverb10
  /RANDOM = INTERCEPT WCverb | COVTYPE(UN) SUBJECT(schoolID).
