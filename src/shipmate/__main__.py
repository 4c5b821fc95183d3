from shipmate.cli.main import run

run()
