from django.apps import AppConfig


class ChatGPTConfig(AppConfig):
    name = "chatgpt"
    verbose_name = "ChatGPT (Custom GPT)"
