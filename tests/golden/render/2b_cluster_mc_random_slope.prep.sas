/* (2b) Random L1 cluster-MC within slope */
/* Data preparation: derived variables (means over non-missing values) */
/* Temporary variables (_mlm<tag>_m<n>) carry a tag computed from this model, so they cannot clash with a column of your data; they are dropped at the end */
PROC SQL;
  CREATE TABLE work._mlm_prep AS
    SELECT *, MEAN(verbal) AS _mlm0ee4_m1
    FROM work.Example
    GROUP BY schoolID;
QUIT;
DATA work.Example;
  SET work._mlm_prep;
  hw2 = homework - 2;
  CMverb10 = _mlm0ee4_m1 - 10;
  WCverb = verbal - _mlm0ee4_m1;
  DROP _mlm0ee4_m1;
RUN;

PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;
  CLASS schoolID;
  MODEL langpost = hw2 mixgrd CMverb10 WCverb / SOLUTION DDFM=Satterthwaite;
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID GCORR; * GCORR = random effect correlations;
  ESTIMATE "L2 Contextual Effect of Verbal" CMverb10 1 WCverb -1;
RUN;
