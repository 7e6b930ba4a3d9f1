from cc_orchestrator.cli.main import main

main()
