/* Random intercept, independent errors */
proc mixed data=statmod.motivation;
class idunit;
model motiv = sex yrserv agemanager nunit / solution;
random intercept / subject=idunit v=1 vcorr=1;
run;
