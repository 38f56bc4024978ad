// placeholder until src/pg has its first real file
