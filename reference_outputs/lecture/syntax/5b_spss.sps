MIXED langpost BY schoolID WITH hw2 mixgrd CMverb10 WCverb
  /METHOD      = REML
  /CRITERIA    = DFMETHOD(SATTERTHWAITE)
  /PRINT       = SOLUTION TESTCOV
  /FIXED       = hw2 mixgrd CMverb10 WCverb mixgrd*WCverb mixgrd*CMverb10
                CMverb10*WCverb CMverb10*CMverb10
  /RANDOM       = INTERCEPT WCverb | COVTYPE(UN) SUBJECT(schoolID).
