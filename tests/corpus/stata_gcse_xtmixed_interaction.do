xtmixed mathach ses_groupmc sector interaction_1 || schoolid: 
