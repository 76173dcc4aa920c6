/* (4e) Cluster-MC with unsmushed cross-level interaction */
/* Data preparation: derived variables (means over non-missing values) */
PROC SQL;
  CREATE TABLE work._mlm_prep AS
    SELECT *, MEAN(verbal) AS _mlm_m1
    FROM work.Example
    GROUP BY schoolID;
QUIT;
DATA work.Example;
  SET work._mlm_prep;
  CMverb10 = _mlm_m1 - 10;
  WCverb = verbal - _mlm_m1;
  DROP _mlm_m1;
RUN;

PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;
  CLASS schoolID;
  MODEL langpost = mixgrd CMverb10 WCverb mixgrd*WCverb mixgrd*CMverb10 / SOLUTION
    DDFM=Satterthwaite;
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID GCORR; * GCORR = random effect correlations;
RUN;
