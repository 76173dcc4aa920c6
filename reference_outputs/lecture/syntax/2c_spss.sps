MIXED langpost BY schoolID WITH hw2 mixgrd CMverb10 WCverb
  /METHOD = REML
  /CRITERIA = DFMETHOD(SATTERTHWAITE)
  /PRINT = SOLUTION TESTCOV
  /FIXED = hw2 mixgrd CMverb10 WCverb hw2*WCverb mixgrd*WCverb CMverb10*WCverb
  /RANDOM = INTERCEPT WCverb | COVTYPE(UN) SUBJECT(schoolID).
