from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("balance/", views.balance, name="balance"),
    path("customer/", views.customer, name="customer"),
    path("contacts/<str:external_id>/", views.contact, name="contact"),
    path("operations/", views.operations, name="operations"),
    path("employee/", views.employee, name="employee"),
    path("me/", views.me, name="me"),
    path("<slug:page>/export/<slug:table>.<slug:fmt>", views.export, name="export"),
]
