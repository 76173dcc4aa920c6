/* (2b) Random L1 cluster-MC within slope */
PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;
  CLASS schoolID;
  MODEL langpost = hw2 mixgrd CMverb10 WCverb / SOLUTION DDFM=Satterthwaite;
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID GCORR; * GCORR = random effect correlations;
  ESTIMATE "L2 Contextual Effect of Verbal" CMverb10 1 WCverb -1;
RUN;
