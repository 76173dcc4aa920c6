source("data_prep.R")
# Two models printed into one output file (a common copy-paste): mlmgen diff must split them, never merge.
m1 = lmer(data=Example, REML=TRUE, formula=langpost~1+hw2+mixgrd+CMverb10+WCverb+(1+WCverb|schoolID))
m0 = lmer(data=Example, REML=TRUE, formula=langpost~1+hw2+mixgrd+CMverb10+WCverb+(1|schoolID))
summary(m1, ddf="Satterthwaite")
summary(m0, ddf="Satterthwaite")
