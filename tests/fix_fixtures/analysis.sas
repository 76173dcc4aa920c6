libname proj "C:\data";
/* keep adults only and recode missing */
data work.Example;
  set proj.raw;
  if age > 18;
  if langpost = -99 then langpost = .;
run;
ods output SolutionF=fixed CovParms=cov;
PROC MIXED DATA=work.Example COVTEST NOCLPRINT;
  CLASS schoolID;
  MODEL langpost = hw2 mixgrd CMverb10 verb10 / SOLUTION DDFM=Satterthwaite;
  RANDOM INTERCEPT WCverb / SUBJECT=schoolID; * random slope of the within part;
RUN;
proc means data=work.Example; var langpost; run;
PROC EXPORT DATA=fixed OUTFILE="C:\data\fixed.csv" DBMS=CSV REPLACE; RUN;
