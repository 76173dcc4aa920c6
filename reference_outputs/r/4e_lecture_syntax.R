source("data_prep.R")
name = lmer(data=Example, REML=TRUE,  
  formula=langpost~1+hw2+mixgrd+CMverb10+WCverb+ mixgrd:WCverb  
    +mixgrd:CMverb10+(1+WCverb|schoolID))  
summary(name, ddf="Satterthwaite") # In R, : creates interactions
