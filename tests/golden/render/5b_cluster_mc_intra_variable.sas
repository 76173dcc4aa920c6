/* (5b) Cluster-MC with intra-variable interaction */
PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;
  CLASS schoolID;
  MODEL langpost = mixgrd CMverb10 WCverb mixgrd*WCverb mixgrd*CMverb10 CMverb10*WCverb
    CMverb10*CMverb10 / SOLUTION DDFM=Satterthwaite;
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID GCORR; * GCORR = random effect correlations;
RUN;
