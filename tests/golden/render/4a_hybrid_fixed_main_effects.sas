/* (4a) Hybrid model with fixed main effects only */
PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;
  CLASS schoolID;
  MODEL langpost = mixgrd CMverb10 verb10 / SOLUTION DDFM=Satterthwaite;
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID GCORR; * GCORR = random effect correlations;
RUN;
