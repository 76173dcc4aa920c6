PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;
  CLASS schoolID; * In SAS, * creates interactions;
  MODEL langpost = hw2 mixgrd CMverb10 WCverb hw2*WCverb mixgrd*WCverb
    CMverb10*WCverb / GCORR SOLUTION DDFM=Satterthwaite;
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID;
RUN;
