* (2b) Random L1 cluster-MC within slope.
* Data preparation: derived variables (means over valid values).
* Temporary variables (mlm<tag>_m<n>) carry a tag computed from this model, so they cannot clash with a column of your data; they are deleted at the end.
AGGREGATE /OUTFILE=* MODE=ADDVARIABLES /BREAK=schoolID /mlm9982_m1 = MEAN(verbal).
COMPUTE hw2 = homework - 2.
COMPUTE CMverb10 = mlm9982_m1 - 10.
COMPUTE WCverb = verbal - mlm9982_m1.
EXECUTE.
DELETE VARIABLES mlm9982_m1.
* Categorical predictors: recoded so that the reference is the last category (SPSS MIXED's fixed rule); random slopes of a categorical as numeric columns (a BY factor in /RANDOM gets one column per category).
RECODE sex ("M"=1) ("F"=2) (ELSE=SYSMIS) INTO sex_r.
VALUE LABELS sex_r 1 "M" 2 "F".
EXECUTE.
RECODE denomina (1=1) (2=2) (4=3) (3=4) (ELSE=SYSMIS) INTO denomina_r.
VALUE LABELS denomina_r 1 "1" 2 "2" 3 "4" 4 "3".
EXECUTE.
* sex: reference F, recoded as the last category of sex_r (SPSS MIXED always takes the last category as reference).
* denomina: reference 3, recoded as the last category of denomina_r (SPSS MIXED always takes the last category as reference).
* MIXED prints the Type III Tests of Fixed Effects by default.
* SPSS MIXED prints the random-effect covariance matrix (G), not correlations: r = UN(2,1)/SQRT(UN(1,1)*UN(2,2)).
MIXED langpost BY schoolID sex_r denomina_r WITH hw2 mixgrd CMverb10 WCverb
  /METHOD = REML
  /CRITERIA = DFMETHOD(SATTERTHWAITE)
  /PRINT = SOLUTION TESTCOV G
  /FIXED = hw2 mixgrd CMverb10 WCverb sex_r denomina_r sex_r*WCverb
  /RANDOM = INTERCEPT WCverb | COVTYPE(UN) SUBJECT(schoolID)
  /EMMEANS = TABLES(denomina_r) COMPARE(denomina_r) ADJ(LSD)
  /EMMEANS = TABLES(sex_r) COMPARE(sex_r) ADJ(LSD)
  /TEST = "L2 Contextual Effect of Verbal" CMverb10 1 WCverb -1.
