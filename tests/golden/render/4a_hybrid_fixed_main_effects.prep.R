# (4a) Hybrid model with fixed main effects only
library(lmerTest) # lmer() with Satterthwaite and Kenward-Roger df, contest1D()
# Data preparation: derived variables (means over non-missing values)
Example$CMverb10 = ave(Example$verbal, Example$schoolID, FUN=function(v) mean(v, na.rm=TRUE)) - 10
Example$verb10 = Example$verbal - 10
Example$WCverb = Example$verbal - ave(Example$verbal, Example$schoolID, FUN=function(v) mean(v, na.rm=TRUE))
name = lmer(data=Example, REML=TRUE,
  formula=langpost~1+mixgrd+CMverb10+verb10+(1+WCverb|schoolID))
summary(name, ddf="Satterthwaite") # Shows random effect correlations already
