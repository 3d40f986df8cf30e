app_name = "localinfo"

urlpatterns: list = []
