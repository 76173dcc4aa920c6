use pupils, clear

xtmixed score  || _all: R.secondary||_all: R.primary, var ml
