use growth, clear
mixed score || school: || child:  , mle
