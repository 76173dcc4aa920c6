proc mixed data =pupils covtest noclprint method=ml;
   class pupil primary secondary;
   model score =   / solution ddfm =satterth;
   random intercept / subject=secondary;
   random intercept / subject=primary;
run;
