"""Load scenarios for `make bench`. bench/run.py picks one class per run with --class-picker
semantics (`locust ... ClassName`). Later issues add their classes here."""

from locust import FastHttpUser, constant, task


class HomePage(FastHttpUser):
    wait_time = constant(0)

    @task
    def home(self):
        self.client.get("/", name="home")


class Healthz(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self):
        self.client.get("/healthz", name="healthz")


class HelloWorld(FastHttpUser):
    wait_time = constant(0)

    @task
    def hello(self):
        self.client.get("/", name="hello")
