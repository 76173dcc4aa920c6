MIXED langpost BY schoolID WITH hw2 mixgrd CMverb10 verb10 WCverb  
  /METHOD      = REML  
  /CRITERIA    = DFMETHOD(SATTERTHWAITE)  
  /PRINT       = SOLUTION TESTCOV  
  /FIXED       = hw2 mixgrd CMverb10 verb10 mixgrd*verb10 mixgrd*CMverb10  
  /RANDOM       = INTERCEPT WCverb | COVTYPE(UN) SUBJECT(schoolID).
