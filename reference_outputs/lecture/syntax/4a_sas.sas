PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;  
  CLASS schoolID;  
  MODEL langpost = hw2 mixgrd CMverb10 verb10 / GCORR SOLUTION DDFM=Satterthwaite;  
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID;  
RUN;
