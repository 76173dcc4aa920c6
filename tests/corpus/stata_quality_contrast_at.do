xtmixed quality_ condition##incentive|| id:, reml
margins condition##incentive
contrast incentive@condition, effects 
