/* (5a) Hybrid with unsmushed intra-variable interaction */
/* Data preparation: derived variables (means over non-missing values) */
/* Temporary variables (_mlm<tag>_m<n>) carry a tag computed from this model, so they cannot clash with a column of your data; they are dropped at the end */
PROC SQL;
  CREATE TABLE work._mlm_prep AS
    SELECT *, MEAN(verbal) AS _mlm811b_m1
    FROM work.Example
    GROUP BY schoolID;
QUIT;
DATA work.Example;
  SET work._mlm_prep;
  CMverb10 = _mlm811b_m1 - 10;
  verb10 = verbal - 10;
  WCverb = verbal - _mlm811b_m1;
  DROP _mlm811b_m1;
RUN;

PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;
  CLASS schoolID;
  MODEL langpost = mixgrd CMverb10 verb10 mixgrd*verb10 mixgrd*CMverb10 CMverb10*verb10
    CMverb10*CMverb10 / SOLUTION DDFM=Satterthwaite;
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID GCORR; * GCORR = random effect correlations;
RUN;
