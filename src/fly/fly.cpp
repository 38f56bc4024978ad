// placeholder until src/fly has its first real file
