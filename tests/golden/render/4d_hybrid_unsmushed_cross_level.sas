/* (4d) Hybrid with unsmushed cross-level interaction */
PROC MIXED DATA=work.Example COVTEST NOCLPRINT IC METHOD=REML;
  CLASS schoolID;
  MODEL langpost = mixgrd CMverb10 verb10 mixgrd*verb10 mixgrd*CMverb10 / SOLUTION
    DDFM=Satterthwaite;
  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID GCORR; * GCORR = random effect correlations;
RUN;
