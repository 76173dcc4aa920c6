PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;  
  CLASS schoolID; * GCORR = random effect correlations;  
  MODEL langpost = hw2 mixgrd CMverb10 WCverb / GCORR SOLUTION DDFM=Satterthwaite;  
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID;  
  ESTIMATE "L2 Contextual Effect of Verbal" CMverb10 1 WCverb -1;  
RUN;
