proc mixed;
   class Household Sex;
   model Weight = Sex;
   random Household Household*Sex;
run;
