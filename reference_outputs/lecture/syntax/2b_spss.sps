MIXED langpost BY schoolID WITH hw2 mixgrd CMverb10 WCverb  
  /METHOD = REML  
  /CRITERIA = DFMETHOD(SATTERTHWAITE)  
  /PRINT = SOLUTION TESTCOV  
  /FIXED = hw2 mixgrd CMverb10 WCverb  
  /RANDOM = INTERCEPT WCverb | COVTYPE(UN) SUBJECT(schoolID)  
  /TEST = "L2 Contextual effect of verbal" CMverb10 1 WCverb -1.
