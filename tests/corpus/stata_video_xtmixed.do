insheet using c:/tmp/dataset.csv, comma
xtmixed ene videocond ifrelevant videorelevant choicenum || ipnum:
