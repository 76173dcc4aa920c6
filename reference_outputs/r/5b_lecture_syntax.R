source("data_prep.R")
name = lmer(data=Example, REML=TRUE,
            formula=langpost~1+hw2+mixgrd+CMverb10+WCverb+I(CMverb10^2)
            +mixgrd:WCverb+mixgrd:CMverb10+CMverb10:WCverb+(1+WCverb|schoolID))
summary(name, ddf="Satterthwaite") # In R, : creates interactions, I(^2) creates quad
