print("swiftcnn")
