/* (2c) Add 3 cross-level interactions */
/* Data preparation: derived variables (means over non-missing values) */
/* Temporary variables (_mlm<tag>_m<n>) carry a tag computed from this model, so they cannot clash with a column of your data; they are dropped at the end */
PROC SQL;
  CREATE TABLE work._mlm_prep AS
    SELECT *, MEAN(verbal) AS _mlm8c05_m1
    FROM work.Example
    GROUP BY schoolID;
QUIT;
DATA work.Example;
  SET work._mlm_prep;
  hw2 = homework - 2;
  CMverb10 = _mlm8c05_m1 - 10;
  WCverb = verbal - _mlm8c05_m1;
  DROP _mlm8c05_m1;
RUN;

PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;
  CLASS schoolID;
  MODEL langpost = hw2 mixgrd CMverb10 WCverb hw2*WCverb mixgrd*WCverb CMverb10*WCverb /
    SOLUTION DDFM=Satterthwaite;
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID GCORR; * GCORR = random effect correlations;
RUN;
