# (2b) Random L1 cluster-MC within slope
library(lmerTest) # lmer() with Satterthwaite and Kenward-Roger df, contest1D()
# Data preparation: derived variables (means over non-missing values)
Example$hw2 = Example$homework - 2
Example$CMverb10 = ave(Example$verbal, Example$schoolID, FUN=function(v) mean(v, na.rm=TRUE)) - 10
Example$WCverb = Example$verbal - ave(Example$verbal, Example$schoolID, FUN=function(v) mean(v, na.rm=TRUE))
name = lmer(data=Example, REML=TRUE,
  formula=langpost~1+hw2+mixgrd+CMverb10+WCverb+(1+WCverb|schoolID))
summary(name, ddf="Satterthwaite") # Shows random effect correlations already
contest1D(name, ddf="Satterthwaite", L=c(0,0,0,1,-1)) # L2 Contextual Effect of Verbal
