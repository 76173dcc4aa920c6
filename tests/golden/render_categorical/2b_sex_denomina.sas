/* (2b) Random L1 cluster-MC within slope */
/* Data preparation: derived variables (means over non-missing values) */
/* Temporary variables (_mlm<tag>_m<n>) carry a tag computed from this model, so they cannot clash with a column of your data; they are dropped at the end */
PROC SQL;
  CREATE TABLE work._mlm_prep AS
    SELECT *, MEAN(verbal) AS _mlm9982_m1
    FROM work.Example
    GROUP BY schoolID;
QUIT;
DATA work.Example;
  SET work._mlm_prep;
  hw2 = homework - 2;
  CMverb10 = _mlm9982_m1 - 10;
  WCverb = verbal - _mlm9982_m1;
  DROP _mlm9982_m1;
RUN;

/* sex: before SAS 9.3 TS1M2 PROC MIXED has no REF= and takes the last level (sorted by formatted value) as reference; there, recode sex so that level F sorts last */
/* denomina: before SAS 9.3 TS1M2 PROC MIXED has no REF= and takes the last level (sorted by formatted value) as reference; there, recode denomina so that level 3 sorts last */
PROC MIXED DATA=work.Example COVTEST NOCLPRINT=5 IC METHOD=REML;
  CLASS schoolID sex(REF="F") denomina(REF="3");
  MODEL langpost = hw2 mixgrd CMverb10 WCverb sex denomina sex*WCverb / SOLUTION
    DDFM=Satterthwaite;
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID GCORR; * GCORR = random effect correlations;
  * Type 3 Tests of Fixed Effects are printed by default (HTYPE=3);
  LSMEANS denomina / DIFF CL;
  LSMEANS sex / DIFF CL;
  ESTIMATE "L2 Contextual Effect of Verbal" CMverb10 1 WCverb -1;
RUN;
