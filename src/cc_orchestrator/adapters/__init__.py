"""The only code that runs subprocesses or talks to the network; one module per outside thing."""
