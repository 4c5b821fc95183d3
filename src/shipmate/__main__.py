from shipmate.program import run

run()
