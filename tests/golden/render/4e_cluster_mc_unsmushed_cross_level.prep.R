# (4e) Cluster-MC with unsmushed cross-level interaction
library(lmerTest) # lmer() with Satterthwaite and Kenward-Roger df, contest1D()
# Data preparation: derived variables (means over non-missing values)
Example$CMverb10 = ave(Example$verbal, Example$schoolID, FUN=function(v) mean(v, na.rm=TRUE)) - 10
Example$WCverb = Example$verbal - ave(Example$verbal, Example$schoolID, FUN=function(v) mean(v, na.rm=TRUE))
name = lmer(data=Example, REML=TRUE,
  formula=langpost~1+mixgrd+CMverb10+WCverb+mixgrd:WCverb+mixgrd:CMverb10
    +(1+WCverb|schoolID))
summary(name, ddf="Satterthwaite") # Shows random effect correlations already
