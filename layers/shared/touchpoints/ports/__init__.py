"""Ports: what the services need from the outside (`typing.Protocol`s) and the frozen values they
exchange with it. Adapters implement them; services import them and never an adapter."""
