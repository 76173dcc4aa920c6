* Estimate the parameters from the grand mean and group mean centered approaches

xtmixed gcse lrt_grandmc || school: 
predict shrink_grandmc, fitted
predict grandmc*, reffects
