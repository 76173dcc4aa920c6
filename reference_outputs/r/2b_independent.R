source("data_prep.R")
name = lmer(data=Example, REML=TRUE, formula=langpost~1+hw2+mixgrd+CMverb10+WCverb+(1+WCverb||schoolID))
summary(name, ddf="Satterthwaite")
