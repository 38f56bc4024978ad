// placeholder until src/pipeline has its first real file
