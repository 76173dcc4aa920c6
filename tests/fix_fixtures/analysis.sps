* Language scores by school: data preparation and the hybrid model.
GET FILE='C:\data\example.sav'.
RECODE langpost (-99=SYSMIS).
MISSING VALUES verbal (999).
COMPUTE verb10 = verbal - 10.
SELECT IF (age > 10).
/* the model */
MIXED langpost BY schoolID WITH hw2 mixgrd CMverb10 verb10 WCverb
  /CRITERIA = DFMETHOD(SATTERTHWAITE)
  /PRINT = SOLUTION TESTCOV
  /FIXED = hw2 mixgrd CMverb10 verb10
  /RANDOM = INTERCEPT WCverb | SUBJECT(schoolID).
DESCRIPTIVES VARIABLES=langpost verbal.
SAVE OUTFILE='C:\data\example_clean.sav'.
