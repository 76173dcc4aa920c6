source("data_prep.R")
name = lmer(data=Example, REML=TRUE,
            formula=langpost~1+hw2+mixgrd+CMverb10+verb10+I(CMverb10^2)
                +mixgrd:verb10+mixgrd:CMverb10+CMverb10:verb10+(1+WCverb|schoolID))
summary(name, ddf="Satterthwaite") # In R, : creates interactions, I(^2) creates quad
