PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;
  CLASS schoolID;          * In SAS, * creates interactions;
  MODEL langpost = hw2 mixgrd CMverb10 verb10 mixgrd*verb10 mixgrd*CMverb10
                CMverb10*verb10 CMverb10*CMverb10 / GCORR SOLUTION DDFM=Satterth;
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID;
RUN;
